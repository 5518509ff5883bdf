import { parseConfigJson } from "./configJson";

describe("parseConfigJson", () => {
  it("reads nothing as an empty config", () => {
    expect(parseConfigJson("")).toEqual({ ok: true, value: {} });
    expect(parseConfigJson("  \n")).toEqual({ ok: true, value: {} });
  });

  it("reads a JSON object", () => {
    expect(parseConfigJson('{"times": 2, "_timeout_s": 1}')).toEqual({ ok: true, value: { times: 2, _timeout_s: 1 } });
  });

  it("refuses text that is not JSON", () => {
    expect(parseConfigJson("{times: 2}")).toEqual({ ok: false, problem: "invalidJson" });
  });

  it("refuses JSON that is not an object", () => {
    for (const text of ["[1]", "null", "3", '"x"']) {
      expect(parseConfigJson(text)).toEqual({ ok: false, problem: "notObject" });
    }
  });
});
