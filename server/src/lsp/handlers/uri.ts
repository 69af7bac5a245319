/** file: URIs ↔ paths without pulling in a URI library. */
import { fileURLToPath, pathToFileURL } from 'node:url';

export const URI = {
  toPath(uri: string): string {
    if (uri.startsWith('file:')) {
      try {
        return fileURLToPath(uri);
      } catch {
        return decodeURIComponent(uri.replace(/^file:\/\//, ''));
      }
    }
    return uri;
  },
  fromPath(path: string): string {
    return pathToFileURL(path).href;
  },
  /** The file name for messages and simulated stacks (`leaky.drvm`). */
  baseName(uri: string): string {
    const p = uri.replace(/[?#].*$/, '');
    return decodeURIComponent(p.slice(p.lastIndexOf('/') + 1));
  },
};
