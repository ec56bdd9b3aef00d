export const REQUIRED_NODE_MAJOR = 24;

/**
 * Stops the process with a clear message on an older Node. Several dependencies need ≥ 22 and
 * fail deep inside with errors that do not say why; `npm start`/`npm test` run the Node 24 that
 * the `node` devDependency installs.
 */
export function assertSupportedNode(version: string = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (major >= REQUIRED_NODE_MAJOR) return;
  const message =
    `AIRIS-MON needs Node.js ${REQUIRED_NODE_MAJOR} or newer, but this is Node.js ${version}.\n` +
    `Run it through npm (npm start / npm test), which uses the Node ${REQUIRED_NODE_MAJOR} installed in ` +
    `node_modules, or install Node ${REQUIRED_NODE_MAJOR} (see .nvmrc).`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
