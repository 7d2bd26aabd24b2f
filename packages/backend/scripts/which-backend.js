#!/usr/bin/env node
// Prints the backend selectBackend() picks here (honours LIPNET_BACKEND), as JSON.
// Usage (after `pnpm build`): node scripts/which-backend.js
const { selectBackend } = require('../dist');

selectBackend()
  .then((choice) => console.log(JSON.stringify(choice, null, 2)))
  .catch((err) => {
    console.error(`${err.name}: ${err.message}`);
    process.exit(2);
  });
