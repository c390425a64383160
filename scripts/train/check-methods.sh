#!/bin/bash
# The method tests that measure the shipped model's attention, run on a candidate model folder (an export of
# train_world.py) as if it were shipped: MasaCtrl's word masks, FPE's layout, PnP's recolouring, prompt switching,
# sae.move and the first-step layout (their dictionaries are built by the tests). A candidate that fails them
# weakens the edit methods however well it draws (MODEL_CARD.md, the short-prompt fine-tune).
#   scripts/train/check-methods.sh /tmp/export [more test files]
set -euo pipefail
candidate=$(realpath "${1:?usage: check-methods.sh MODEL_DIR [test files]}")
shift
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
tree=$(mktemp -d /tmp/retouch-candidate-XXXXXX)
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add --detach "$tree" HEAD >/dev/null
for part in scheduler text_encoder tokenizer unet vae; do
  rm -rf "$tree/models/world-sd/$part"
  cp -r "$candidate/$part" "$tree/models/world-sd/$part"
done
cp "$candidate/model_index.json" "$candidate/training.json" "$tree/models/world-sd/"
rm -rf "$tree/models/world-sd/concepts"  # the shipped dictionary is of other weights
ln -s "$root/node_modules" "$tree/node_modules"
(cd "$tree" && node scripts/prisma-generate.mjs >/dev/null)
tests=(test/methods/masactrl.test.ts test/methods/fpe.test.ts test/methods/pnp.test.ts test/methods/prompt-switch.test.ts
       test/concepts/concepts.test.ts test/concepts/layout.test.ts test/studio/sae-move-redraw.test.ts "$@")
cd "$tree" && node --import tsx --test --test-reporter=spec "${tests[@]}"
