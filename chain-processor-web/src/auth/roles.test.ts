import { hasRole } from "./roles";

describe("hasRole", () => {
  it("ranks admin above editor above viewer", () => {
    expect(hasRole(["admin"], "editor")).toBe(true);
    expect(hasRole(["editor"], "editor")).toBe(true);
    expect(hasRole(["viewer"], "editor")).toBe(false);
    expect(hasRole(["viewer", "editor"], "admin")).toBe(false);
  });

  it("grants nothing without known roles", () => {
    expect(hasRole([], "viewer")).toBe(false);
    expect(hasRole(undefined, "viewer")).toBe(false);
    expect(hasRole(["owner"], "viewer")).toBe(false);
  });
});
