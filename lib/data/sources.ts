/**
 * Where the data sets come from: one table of URLs, sizes and SHA-256 checksums.
 *
 * The checksums are those the TensorFlow Datasets project records for the same URLs
 * (tensorflow/datasets, tensorflow_datasets/url_checksums/mnist.txt and cifar10.txt).
 * MNIST is fetched from Google's CVDF mirror because yann.lecun.com often refuses
 * downloads; the files are the original gzipped IDX files.
 *
 * @module
 */

/** One downloadable file: where to get it and how to recognise the right bytes. */
export interface RemoteFile {
  /** File name under the data directory. */
  name: string;
  url: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the file, hex. */
  sha256: string;
}

/**
 * The four gzipped MNIST IDX files (60,000 training and 10,000 test digits, 28x28).
 *
 * @example
 * ```ts
 * import { download } from "./download.ts";
 * import { MNIST_IDX_FILES } from "./sources.ts";
 *
 * for (const file of MNIST_IDX_FILES) await download(file.url, `data/mnist/${file.name}`, file);
 * ```
 */
export const MNIST_IDX_FILES: readonly RemoteFile[] = [
  {
    name: "train-images-idx3-ubyte.gz",
    url: "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz",
    size: 9912422,
    sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
  },
  {
    name: "train-labels-idx1-ubyte.gz",
    url: "https://storage.googleapis.com/cvdf-datasets/mnist/train-labels-idx1-ubyte.gz",
    size: 28881,
    sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
  },
  {
    name: "t10k-images-idx3-ubyte.gz",
    url: "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz",
    size: 1648877,
    sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
  },
  {
    name: "t10k-labels-idx1-ubyte.gz",
    url: "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
    size: 4542,
    sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
  },
];

/**
 * The CIFAR-10 binary version: a gzipped tar of `cifar-10-batches-bin/` holding
 * data_batch_1..5.bin, test_batch.bin and batches.meta.txt.
 *
 * @example
 * ```ts
 * import { download } from "./download.ts";
 * import { CIFAR10_TARBALL } from "./sources.ts";
 *
 * await download(CIFAR10_TARBALL.url, `data/${CIFAR10_TARBALL.name}`, CIFAR10_TARBALL);
 * ```
 */
export const CIFAR10_TARBALL: RemoteFile = {
  name: "cifar-10-binary.tar.gz",
  url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
  size: 170052171,
  sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
};
