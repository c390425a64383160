import { openShipped } from './test/support/shipped.ts';
