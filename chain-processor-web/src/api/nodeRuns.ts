/**
 * Node test-runs: run a node on sample input in the API's sandbox and get its output, or a
 * sanitized error and a reason code (a failing node is still a 200 with `ok: false`).
 * Nothing is cached: every run is a fresh mutation.
 */
import { useMutation } from "@tanstack/react-query";
import { testRunCode, testRunNode } from "../client/sdk.gen";
import type { NodeTestRunResult } from "../client/types.gen";
import { call } from "./http";

export interface TestRunRequest {
  /** The saved node to run by id; its code must be what the editor shows. */
  nodeId?: string;
  /** The editor's code, run as is when there is no `nodeId`. */
  code: string;
  inputText: string;
  config: Record<string, unknown>;
}

export function runTest({ nodeId, code, inputText, config }: TestRunRequest): Promise<NodeTestRunResult> {
  const body = { input_text: inputText, config };
  return nodeId
    ? call(testRunNode({ path: { node_id: nodeId }, body }))
    : call(testRunCode({ body: { ...body, code } }));
}

export function useTestRun() {
  return useMutation({ mutationFn: runTest });
}
