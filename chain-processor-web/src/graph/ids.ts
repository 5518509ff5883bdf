/** Fresh ids for canvas nodes and edges; `crypto.randomUUID` where available. */
let counter = 0;

export function newId(prefix = "step"): string {
  counter += 1;
  const random =
    typeof crypto !== "undefined" && "randomUUID" in crypto
      ? crypto.randomUUID().slice(0, 8)
      : Math.random().toString(36).slice(2, 10);
  return `${prefix}-${counter.toString(36)}-${random}`;
}

export function edgeId(source: string, target: string): string {
  return `e-${source}-${target}`;
}
