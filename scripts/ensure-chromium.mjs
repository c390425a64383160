#!/usr/bin/env node
// The web-chat tests drive Debian's chromium. On a fresh machine of this project's kind it isn't
// installed yet, and npm can't fetch a browser build here, so install Debian's package (we are
// root on these machines). Anywhere else, say what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`The browser tests need chromium at ${CHROMIUM}: install Debian's "chromium" package, or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  console.error('Installing Debian\'s chromium for the browser tests (once per machine)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}
