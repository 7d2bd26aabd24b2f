/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist):
 * where to look for it, and how to load and check its four IDX files. The same data
 * as Keras' `tf.keras.datasets.fashion_mnist.load_data()`, which the notebook uses.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetNotFoundError } from '../errors';
import { readIdxFile } from './idx';

/** Class names by label, as in the notebook's `class_mapping`. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The four files, by role, without the optional `.gz` suffix. */
export const FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
export type FileRole = keyof typeof FILE_NAMES;
export const FILE_ROLES = Object.keys(FILE_NAMES) as FileRole[];

/**
 * Published MD5 sums. `gz`: of the `.gz` files served at {@link DOWNLOAD_BASE}
 * (Fashion-MNIST README, "Get the Data"). `raw`: of the decompressed IDX bytes
 * (as listed by torchvision-style loaders); they also match Debian's
 * `dataset-fashion-mnist`, whose `.gz` files are recompressed (other gz MD5s,
 * same content), so loading checks `raw`.
 */
export const MD5 = {
  gz: {
    trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
    testImages: 'bef4ecab320f06d8554ea6380940ec79',
    testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
  },
  raw: {
    trainImages: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
    trainLabels: '9018921c3c673c538a1fc5bad174d6f9',
    testImages: '8181f5470baa50b63fa0f6fddb340f0a',
    testLabels: '15d484375f8d13e6eb1aabb0c3f46965',
  },
} as const satisfies Record<'gz' | 'raw', Record<FileRole, string>>;

/** Canonical download location (Fashion-MNIST README). */
export const DOWNLOAD_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Image side length and number of classes. */
export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;

/** One place searched for the dataset. */
export interface SearchLocation {
  /** Where the path came from, e.g. `--data-dir`, `$FASHION_MNIST_DIR`. */
  source: string;
  /** The folder. */
  dir: string;
}

/** Inputs of {@link searchLocations}; defaults read the real process environment. */
export interface SearchOptions {
  /** `--data-dir`, when given. */
  dataDir?: string;
  /** Environment to read `FASHION_MNIST_DIR` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Home folder (default `os.homedir()`). */
  home?: string;
  /** Debian's folder (default `/usr/share/datasets/fashion-mnist`). */
  systemDir?: string;
}

/** The download cache folder: `~/.cache/lipnet/fashion-mnist`. */
export function downloadCacheDir(home = os.homedir()): string {
  return path.join(home, '.cache', 'lipnet', 'fashion-mnist');
}

/**
 * The folders searched, in order: `--data-dir`, `$FASHION_MNIST_DIR`, Keras' cache
 * `~/.keras/datasets/fashion-mnist`, Debian's `/usr/share/datasets/fashion-mnist`
 * (package `dataset-fashion-mnist`), then demo4's own download cache.
 */
export function searchLocations(opts: SearchOptions = {}): SearchLocation[] {
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  const out: SearchLocation[] = [];
  if (opts.dataDir) out.push({ source: '--data-dir', dir: path.resolve(opts.dataDir) });
  if (env.FASHION_MNIST_DIR) out.push({ source: '$FASHION_MNIST_DIR', dir: path.resolve(env.FASHION_MNIST_DIR) });
  out.push({ source: "Keras' cache", dir: path.join(home, '.keras', 'datasets', 'fashion-mnist') });
  out.push({
    source: "Debian's dataset-fashion-mnist",
    dir: opts.systemDir ?? '/usr/share/datasets/fashion-mnist',
  });
  out.push({ source: "demo4's download cache", dir: downloadCacheDir(home) });
  return out;
}

/** Result of looking into one folder. */
export interface FolderProbe {
  location: SearchLocation;
  /** The file found for each role (`.gz` preferred over raw), or undefined. */
  files: Partial<Record<FileRole, string>>;
  /** Roles with no file. */
  missing: FileRole[];
}

/** Looks for the four files (each `name.gz` or `name`) in one folder. */
export function probeFolder(location: SearchLocation): FolderProbe {
  const files: Partial<Record<FileRole, string>> = {};
  const missing: FileRole[] = [];
  for (const role of FILE_ROLES) {
    const base = path.join(location.dir, FILE_NAMES[role]);
    const hit = [`${base}.gz`, base].find((p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (hit) files[role] = hit;
    else missing.push(role);
  }
  return { location, files, missing };
}

/** A short status for one probed folder, used in messages. */
export function describeProbe(p: FolderProbe): string {
  if (p.missing.length === 0) return 'complete';
  if (!fs.existsSync(p.location.dir)) return 'no such folder';
  if (p.missing.length === FILE_ROLES.length) return 'no Fashion-MNIST files';
  return `missing ${p.missing.map((r) => `${FILE_NAMES[r]}[.gz]`).join(', ')}`;
}

/** The message for "found nothing": every place searched and the commands that fix it. */
export function notFoundMessage(probes: FolderProbe[], downloadNote?: string): string {
  const lines = [
    'demo4: Fashion-MNIST not found. Searched, in order:',
    ...probes.map((p) => `  - ${p.location.dir}  (${p.location.source}: ${describeProbe(p)})`),
  ];
  if (downloadNote) lines.push(`Download: ${downloadNote}`);
  lines.push(
    'Each folder needs the four IDX files, gzip-compressed or not:',
    `  ${FILE_ROLES.map((r) => FILE_NAMES[r]).join(', ')} (each with or without .gz).`,
    'Fix it with one of:',
    '  - sudo apt-get install dataset-fashion-mnist      (Debian/Ubuntu: installs /usr/share/datasets/fashion-mnist)',
    '  - pnpm demo4 --data-dir /path/to/fashion-mnist    (or export FASHION_MNIST_DIR=/path/to/fashion-mnist)',
    `  - python -c "import tensorflow as tf; tf.keras.datasets.fashion_mnist.load_data()"   (fills ~/.keras/datasets/fashion-mnist)`,
    `  - download the four .gz files from ${DOWNLOAD_BASE} into one of the folders above`,
  );
  return lines.join('\n');
}

/** Fashion-MNIST as bytes, straight from the files. */
export interface RawFashionMnist {
  trainImages: Uint8Array; // N×28×28
  trainLabels: Uint8Array; // N
  testImages: Uint8Array;
  testLabels: Uint8Array;
  nTrain: number;
  nTest: number;
  /** Where it came from. */
  location: SearchLocation;
  files: Record<FileRole, string>;
  /** MD5 of each decompressed file and whether it matches the published value. */
  checksums: Record<FileRole, { md5: string; matchesPublished: boolean }>;
}

/** Options of {@link loadFashionMnist}. */
export interface LoadOptions extends SearchOptions {
  /** Expected item counts (default 60,000 / 10,000; tests pass small ones). */
  expectedCounts?: { train?: number; test?: number };
  /** Called once per folder that was probed and skipped (for a warning line). */
  onSkip?: (p: FolderProbe) => void;
  /**
   * Called when no folder is complete; may fetch the files into
   * `downloadCacheDir()` and return a note for the error message. When it
   * returns `{ok: true}` the cache folder is probed again.
   */
  download?: (cacheDir: string) => Promise<{ ok: boolean; note: string }>;
}

function md5(bytes: Uint8Array): string {
  return crypto.createHash('md5').update(bytes).digest('hex');
}

/** Loads the four files from one complete folder, checking every header and size. */
export function loadFromFolder(
  location: SearchLocation,
  files: Record<FileRole, string>,
  expectedCounts: { train?: number; test?: number } = { train: 60000, test: 10000 },
): RawFashionMnist {
  const img = (f: string, count?: number) => readIdxFile(f, { ndims: 3, innerDims: [IMAGE_SIZE, IMAGE_SIZE], count });
  const lab = (f: string, count?: number) =>
    readIdxFile(f, { ndims: 1, innerDims: [], count, maxValue: NUM_CLASSES - 1 });
  const trainImages = img(files.trainImages, expectedCounts.train);
  const trainLabels = lab(files.trainLabels, expectedCounts.train ?? trainImages.dims[0]);
  const testImages = img(files.testImages, expectedCounts.test);
  const testLabels = lab(files.testLabels, expectedCounts.test ?? testImages.dims[0]);
  const raws = { trainImages, trainLabels, testImages, testLabels };
  const checksums = {} as RawFashionMnist['checksums'];
  for (const role of FILE_ROLES) {
    const sum = md5(raws[role].raw);
    checksums[role] = { md5: sum, matchesPublished: sum === MD5.raw[role] };
  }
  return {
    trainImages: trainImages.data,
    trainLabels: trainLabels.data,
    testImages: testImages.data,
    testLabels: testLabels.data,
    nTrain: trainImages.dims[0]!,
    nTest: testImages.dims[0]!,
    location,
    files,
    checksums,
  };
}

/**
 * Finds Fashion-MNIST (see {@link searchLocations}) and loads the first complete
 * folder. A file that exists but is corrupt is an error (it is not skipped).
 * When no folder is complete, tries `opts.download` (if given) and otherwise
 * throws {@link DatasetNotFoundError} listing every place searched and the fix.
 */
export async function loadFashionMnist(opts: LoadOptions = {}): Promise<RawFashionMnist> {
  const locations = searchLocations(opts);
  const probes = locations.map(probeFolder);
  for (const p of probes) {
    if (p.missing.length === 0) {
      return loadFromFolder(p.location, p.files as Record<FileRole, string>, opts.expectedCounts);
    }
    opts.onSkip?.(p);
  }
  let note: string | undefined;
  if (opts.download) {
    const cache = downloadCacheDir(opts.home);
    const res = await opts.download(cache);
    note = res.note;
    if (res.ok) {
      const loc = locations[locations.length - 1]!;
      const p = probeFolder(loc);
      if (p.missing.length === 0) {
        return loadFromFolder(loc, p.files as Record<FileRole, string>, opts.expectedCounts);
      }
    }
  }
  throw new DatasetNotFoundError(
    notFoundMessage(probes, note),
    probes.map((p) => p.location.dir),
  );
}
