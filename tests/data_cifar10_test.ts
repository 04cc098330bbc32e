import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkCifarRecords,
  CIFAR10_RECORD_BYTES,
  decodeCifarRecords,
  hasCifar10,
  loadCifar10,
} from "../lib/data/cifar10.ts";
import { ensureCifar10 } from "../lib/data/fetch.ts";
import { loadStudyData } from "../lib/data/study.ts";
import { readTar } from "../lib/data/tar.ts";

// Pure JS parsers: no tensors, so no backend is started.

/** Byte value of colour plane c, row h, column w of record i in the fixtures. */
const pixel = (i: number, c: number, h: number, w: number) => (i * 7 + c * 50 + h * 3 + w) & 0xff;

/** `count` CIFAR records, record i labelled (first + i) % 10, pixels from `pixel`. */
function cifarRecords(count: number, first = 0): Uint8Array {
  const bytes = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const record = i * CIFAR10_RECORD_BYTES;
    bytes[record] = (first + i) % 10;
    for (let c = 0; c < 3; c++) {
      for (let h = 0; h < 32; h++) {
        for (let w = 0; w < 32; w++) {
          bytes[record + 1 + c * 1024 + h * 32 + w] = pixel(first + i, c, h, w);
        }
      }
    }
  }
  return bytes;
}

Deno.test("decodeCifarRecords: CHW records become NHWC float32 with values 0..255", () => {
  const images = decodeCifarRecords(cifarRecords(3), "fixture");
  assert.deepEqual(images.shape, [3, 32, 32, 3]);
  assert.deepEqual([...images.y], [0, 1, 2]);
  // Record 0, row 1, column 2, blue: byte 1 + 2*1024 + 1*32 + 2 of the record = 105.
  assert.equal(images.x[(1 * 32 + 2) * 3 + 2], 105);
  // Every value of record 2 sits where NHWC puts it.
  for (let h = 0; h < 32; h++) {
    for (let w = 0; w < 32; w++) {
      for (let c = 0; c < 3; c++) {
        const got = images.x[((2 * 32 + h) * 32 + w) * 3 + c];
        if (got !== pixel(2, c, h, w)) assert.fail(`x[2, ${h}, ${w}, ${c}] = ${got}`);
      }
    }
  }
  const middle = decodeCifarRecords(cifarRecords(3), "fixture", { start: 1, count: 1 });
  assert.deepEqual([...middle.y], [1]);
  assert.deepEqual(middle.x, images.x.slice(3072, 2 * 3072));
});

Deno.test("CIFAR: a batch cut short or with a bad label is an error naming the file", () => {
  const truncated = cifarRecords(2).slice(0, CIFAR10_RECORD_BYTES + 1000);
  assert.throws(
    () => checkCifarRecords(truncated, "data_batch_3.bin"),
    /data_batch_3\.bin: 4073 bytes is not a whole number of 3073-byte records .*1 whole records and 1000 bytes over .*10000 records = 30730000 bytes/,
  );
  assert.throws(() => checkCifarRecords(new Uint8Array(0), "empty.bin"), /empty\.bin: 0 bytes/);
  const badLabel = cifarRecords(2);
  badLabel[CIFAR10_RECORD_BYTES] = 200;
  assert.throws(
    () => checkCifarRecords(badLabel, "test_batch.bin"),
    /test_batch\.bin: label 200 in record 1; expected 0\.\.9/,
  );
  assert.throws(
    () => decodeCifarRecords(cifarRecords(2), "x", { start: 1, count: 5 }),
    /count: got 5; expected an integer in \[0, 1\]/,
  );
});

/** A ustar archive of regular files (what `tar cf` writes, minus owners and times). */
function tarArchive(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const [name, data] of Object.entries(files)) {
    const header = new Uint8Array(512);
    const put = (text: string, offset: number) => header.set(encoder.encode(text), offset);
    put(name, 0);
    put("0000644\0", 100);
    put(data.length.toString(8).padStart(11, "0") + "\0", 124);
    put("0", 156);
    put("ustar\0" + "00", 257);
    put("        ", 148);
    const sum = header.reduce((a, b) => a + b, 0);
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(header);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const block of blocks) {
    out.set(block, offset);
    offset += block.length;
  }
  return out;
}

/** The six batches with `perBatch` records each; training record k has label k % 10. */
function cifarFiles(perBatch: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let b = 0; b < 5; b++) {
    files[`cifar-10-batches-bin/data_batch_${b + 1}.bin`] = cifarRecords(perBatch, b * perBatch);
  }
  files["cifar-10-batches-bin/test_batch.bin"] = cifarRecords(perBatch, 3);
  files["cifar-10-batches-bin/batches.meta.txt"] = new TextEncoder().encode("airplane\n");
  return files;
}

Deno.test("readTar: lists regular files; a corrupt header or a cut archive is an error", () => {
  const archive = tarArchive({
    "a/x.bin": new Uint8Array([1, 2, 3]),
    "a/y.txt": new Uint8Array(600),
  });
  const entries = readTar(archive, "fixture.tar");
  assert.deepEqual(entries.map((e) => [e.name, e.data.length]), [["a/x.bin", 3], ["a/y.txt", 600]]);
  assert.deepEqual([...entries[0].data], [1, 2, 3]);
  const corrupt = archive.slice();
  corrupt[10] ^= 0xff; // inside the first file name: the header checksum no longer matches
  assert.throws(
    () => readTar(corrupt, "fixture.tar"),
    /fixture\.tar: corrupt tar header at byte 0/,
  );
  assert.throws(
    () => readTar(archive.slice(0, 1024 + 512 + 100), "fixture.tar"),
    /fixture\.tar: truncated: entry at byte 1024 needs 600 bytes, archive ends after 100/,
  );
  assert.throws(
    () => readTar(archive.slice(0, 1024 + 100), "fixture.tar"),
    /fixture\.tar: truncated: header at byte 1024 is cut after 100 bytes/,
  );
});

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("ensureCifar10: downloads, verifies and unpacks a tarball; loaders read it", async () => {
  const dataDir = await Deno.makeTempDir();
  const tarball = new Uint8Array(
    await new Response(
      new Blob([tarArchive(cifarFiles(4)) as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(tarball.slice()),
  );
  try {
    assert.equal(await hasCifar10(dataDir), false);
    const source = {
      name: "cifar-10-binary.tar.gz",
      url: `http://127.0.0.1:${server.addr.port}/cifar-10-binary.tar.gz`,
      size: tarball.length,
      sha256: await sha256Hex(tarball),
    };
    const dir = await ensureCifar10(dataDir, { source, quiet: true });
    assert.equal(dir, join(dataDir, "cifar-10-batches-bin"));
    assert.equal(await hasCifar10(dataDir), true);
    // Only the tarball and the unpacked folder: no staging folder or .part left behind.
    const names = [];
    for await (const entry of Deno.readDir(dataDir)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["cifar-10-batches-bin", "cifar-10-binary.tar.gz"]);

    const { train, test } = await loadCifar10(dir);
    assert.deepEqual(train.shape, [20, 32, 32, 3]);
    assert.deepEqual(test.shape, [4, 32, 32, 3]);
    // Batches are concatenated in order 1..5: training image k is fixture record k.
    assert.deepEqual([...train.y], Array.from({ length: 20 }, (_, k) => k % 10));
    assert.equal(train.x[((13 * 32 + 5) * 32 + 6) * 3 + 1], pixel(13, 1, 5, 6));

    // The course split: val is the end of the training pool, disjoint from train.
    const data = await loadStudyData({
      dataset: "cifar10",
      dataDir,
      numTrain: 10,
      numVal: 4,
      numTest: 3,
      subtractMean: false,
    });
    assert.deepEqual([...data.val.y], [16, 17, 18, 19].map((k) => k % 10));
    assert.equal(data.val.x[0], pixel(16, 0, 0, 0));
    assert.deepEqual(data.train.shape, [10, 32, 32, 3]);
    assert.deepEqual(data.test.shape, [3, 32, 32, 3]);
    assert.equal(data.dataset, "cifar10");
    assert.match(
      data.description,
      /^CIFAR-10 \(.*cifar-10-batches-bin\): 10 train \/ 4 val \/ 3 test, 32x32x3, pixels 0\.\.255$/,
    );
    await assert.rejects(
      loadStudyData({ dataset: "cifar10", dataDir, numTrain: 17, numVal: 4 }),
      /numTrain: got 17; expected an integer in \[0, 16\]: CIFAR-10 has 20 training images and numVal takes 4/,
    );
    // "auto" takes CIFAR-10 when it is on disk, without asking the network.
    const auto = await loadStudyData({
      dataDir,
      numTrain: 2,
      numVal: 2,
      numTest: 2,
      download: false,
    });
    assert.equal(auto.dataset, "cifar10");
  } finally {
    await server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("loadCifar10: a truncated batch on disk is an error naming its path", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const dir = join(dataDir, "cifar-10-batches-bin");
    await Deno.mkdir(dir);
    for (const [name, bytes] of Object.entries(cifarFiles(2))) {
      await Deno.writeFile(join(dataDir, name), bytes);
    }
    await Deno.writeFile(join(dir, "data_batch_4.bin"), cifarRecords(2).slice(0, 5000));
    await assert.rejects(loadCifar10(dir), /data_batch_4\.bin: 5000 bytes is not a whole number/);
    await Deno.remove(join(dir, "test_batch.bin"));
    assert.equal(await hasCifar10(dataDir), false);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
