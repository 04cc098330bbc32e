/**
 * The layout a newcomer reads the architecture from: lib/ in folders by concern, a handful
 * of loose files, no import cycle, and a README tour that lists exactly lib/'s folders.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../lib/files.ts";

const LIB = join(REPO_ROOT, "lib");

function tsFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory) return tsFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import and re-export of a file, type-only ones included. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, Deno.readTextFileSync(file), ts.ScriptTarget.Latest);
  const found: string[] = [];
  source.forEachChild((node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.startsWith(".")
    ) {
      found.push(resolve(dirname(file), node.moduleSpecifier.text));
    }
  });
  return found;
}

Deno.test("lib/ has no import cycle, type-only imports included", () => {
  const edges = new Map(tsFiles(LIB).map((file) => [file, importsOf(file)]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "open") {
        cycles.push(
          [...path.slice(path.indexOf(next)), next].map((f) => relative(LIB, f)).join(" -> "),
        );
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of edges.keys()) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});

Deno.test("lib/ keeps at most 6 loose files", () => {
  const loose = [...Deno.readDirSync(LIB)].filter((e) => e.isFile).map((e) => e.name).sort();
  assert.ok(loose.length <= 6, `loose files in lib/: ${loose.join(", ")}`);
});

/** The paths the README's tour table lists, one per row: `experiments/`, `lib/mod.ts`, ... */
function tourEntries(readme: string): string[] {
  const start = readme.indexOf("\n## A tour\n");
  assert.notEqual(start, -1, "README.md has a '## A tour' section");
  const lines = readme.slice(start).split("\n").slice(2);
  const first = lines.findIndex((line) => line.startsWith("|"));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith("|"));
  // Header and separator rows first, then one row per path: | `lib/data/` | what it holds |
  return lines.slice(first + 2, end).map((row) => {
    const cell = row.split("|")[1].trim();
    const path = cell.match(/^`([^`]+)`$/)?.[1];
    assert.ok(path, `a tour row names one path in backquotes: ${row}`);
    return path;
  });
}

Deno.test("the README tour lists lib/'s folders exactly, and every path it lists exists", async () => {
  const entries = tourEntries(await Deno.readTextFile(join(REPO_ROOT, "README.md")));
  const folders = [...Deno.readDirSync(LIB)].filter((e) => e.isDirectory).map((e) => e.name);
  const listed = entries.flatMap((path) => path.match(/^lib\/([^/*]+)\/$/)?.[1] ?? []);
  assert.deepEqual(
    [...listed].sort(),
    [...folders].sort(),
    `tour rows for lib/ folders; missing: ${
      folders.filter((f) => !listed.includes(f)).join(", ") || "none"
    }; not in lib/: ${listed.filter((f) => !folders.includes(f)).join(", ") || "none"}`,
  );
  for (const path of entries.filter((p) => !p.includes("*"))) {
    const info = await Deno.stat(join(REPO_ROOT, path)).catch(() => null);
    assert.ok(
      info !== null && info.isDirectory === path.endsWith("/"),
      `the tour lists ${path}, which is not a ${path.endsWith("/") ? "folder" : "file"} here`,
    );
  }
});

Deno.test("one name per concept: lib/ calls a study a study (experiments/ is only its folder)", () => {
  const found: string[] = [];
  for (const file of tsFiles(LIB)) {
    Deno.readTextFileSync(file).split("\n").forEach((line, i) => {
      // The folder's name, and the field records written before the rename carry.
      const words = line.replace(/experiments\b|value\.experiment\b/g, "");
      if (/experiment/i.test(words)) found.push(`${relative(LIB, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});
