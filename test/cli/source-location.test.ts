import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyLineIn } from "../../src/cli/source-location.js";

describe("keyLineIn", () => {
  it("finds keys literally, regex characters included (compare contenders are free-form names)", async () => {
    const dir = join(import.meta.dirname, "..", ".tmp");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `keys-${process.pid}.ts`);
    await writeFile(file, 'a\nexport const compare = {\n  optimizers: {\n    "GEPA + FewShot": f,\n    "a(b": g,\n    $x: h,\n  },\n};\n');
    expect(keyLineIn(file, "compare")).toBe(2);
    expect(keyLineIn(file, "GEPA + FewShot")).toBe(4);
    expect(keyLineIn(file, "a(b")).toBe(5);
    expect(keyLineIn(file, "$x")).toBe(6);
    expect(keyLineIn(file, "missing")).toBeUndefined();
  });
});
