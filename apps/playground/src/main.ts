/** Entry point of the page (bundled into dist/main.js by scripts/build.ts). */
import { App } from './app';
import { byId } from './ui/dom';

App.start().catch((e: Error) => {
  const status = byId('backend-status');
  status.textContent = `The playground could not start: ${e.message}`;
  status.dataset.state = 'error';
  console.error(e);
});
