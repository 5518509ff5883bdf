import { diffLines } from "./textDiff";

describe("diffLines", () => {
  it("marks kept, removed and added lines", () => {
    expect(diffLines("a\nb\nc", "a\nc\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "same", text: "c" },
      { kind: "added", text: "d" },
    ]);
  });

  it("handles wholly different texts", () => {
    expect(diffLines("x", "y").map((line) => line.kind)).toEqual(["removed", "added"]);
    expect(diffLines("", "")).toEqual([{ kind: "same", text: "" }]);
  });
});
