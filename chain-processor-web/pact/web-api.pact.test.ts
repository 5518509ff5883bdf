/**
 * The UI's contract with the API, written to a fresh file each run and compared with the
 * committed `contracts/pacts/` copy the API verifies. `PACT_UPDATE=1 npm run test:pact`
 * replaces the committed copy; commit it with the change that made it.
 */
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { signingIn } from "./auth";
import { chainDesigner } from "./chains";
import { platformHealth } from "./health";
import { runs } from "./executions";
import { nodeLibrary } from "./nodes";
import { COMMITTED_PACT, GENERATED_DIR, PACT_FILE } from "./support";

// The hooks run for the requests they send, not for rendering: React's warnings about state
// updates outside act() once a request settles are noise here.
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});
afterAll(() => rmSync(GENERATED_DIR, { recursive: true, force: true }));

describe("sign-in", signingIn);
describe("node library", nodeLibrary);
describe("chain designer", chainDesigner);
describe("runs", runs);
describe("health banner", platformHealth);

/** The contract without what changes with the tools' versions. */
function comparable(file: string): unknown {
  const pact = JSON.parse(readFileSync(file, "utf8")) as { metadata?: { pactSpecification?: unknown } };
  return { ...pact, metadata: { pactSpecification: pact.metadata?.pactSpecification } };
}

describe("the committed contract", () => {
  it("is the one these tests write", () => {
    const generated = join(GENERATED_DIR, PACT_FILE);
    if (process.env.PACT_UPDATE === "1") copyFileSync(generated, COMMITTED_PACT);
    expect(comparable(generated), `${COMMITTED_PACT} is stale: run PACT_UPDATE=1 npm run test:pact and commit it`).toEqual(
      comparable(COMMITTED_PACT),
    );
  });
});
