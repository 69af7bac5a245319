/**
 * What the language server may read of the `poolscope` settings in an untrusted workspace:
 * everything but `pooltagFile`, the one setting that names a file for the server to open. VS
 * Code already ignores the workspace's value of a restricted setting (package.json
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`); this also drops the user's, so
 * an untrusted folder never makes the server read any file.
 */
export function withoutPooltagFile(section: string | undefined, value: unknown): unknown {
  if (section === 'poolscope.pooltagFile') return null;
  if (section === 'poolscope' && value && typeof value === 'object') {
    const copy = { ...(value as Record<string, unknown>) };
    delete copy.pooltagFile;
    return copy;
  }
  return value;
}
