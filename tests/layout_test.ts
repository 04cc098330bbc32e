/**
 * The layout a newcomer reads the architecture from: lib/ in folders by concern, a handful
 * of loose files, no import cycle, and a README tour that lists every folder.
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

Deno.test("lib/ keeps at most 6 loose files; the README tour lists every folder", async () => {
  const entries = [...Deno.readDirSync(LIB)];
  const loose = entries.filter((e) => e.isFile).map((e) => e.name).sort();
  assert.ok(loose.length <= 6, `loose files in lib/: ${loose.join(", ")}`);
  const readme = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
  const tour = readme.slice(readme.indexOf("## A tour"));
  for (const folder of entries.filter((e) => e.isDirectory).map((e) => e.name)) {
    assert.ok(tour.includes(`\`lib/${folder}/\``), `the README tour lists lib/${folder}/`);
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
