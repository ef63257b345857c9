// Where the package's own files live, whether running from dist/ (built) or server/ (tsx).
import fs from 'node:fs';
import path from 'node:path';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'wsdl'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the cora-ocr-mock package root above ${start}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);
export const WSDL_FILE = path.join(PACKAGE_ROOT, 'wsdl', 'coraOcrIntegration_v1.0.0.wsdl');
