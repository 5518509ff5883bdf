import { QueryClient } from "@tanstack/react-query";
import type { ExecutionPublic, NodeExecutionPublic } from "../client/types.gen";
import { executionKeys } from "./executions";
import { applyEvent, mergeNode, streamUrl } from "./executionStream";

const node = (position: number, status: NodeExecutionPublic["status"] = "running") =>
  ({ id: `n${position}`, position, status }) as NodeExecutionPublic;

describe("execution stream", () => {
  it("puts a node event in its place by position", () => {
    const page = mergeNode({ data: [node(0, "succeeded"), node(2)], count: 2 }, node(1));
    expect(page.data.map((n) => n.position)).toEqual([0, 1, 2]);
    expect(mergeNode(page, node(1, "succeeded")).data[1]?.status).toBe("succeeded");
    expect(mergeNode(undefined, node(0))).toEqual({ data: [node(0)], count: 1 });
  });

  it("writes events into the query cache", () => {
    const client = new QueryClient();
    const execution = { id: "x", status: "running" } as ExecutionPublic;
    applyEvent(client, "x", { type: "execution", data: execution });
    applyEvent(client, "x", { type: "node", data: node(0) });
    expect(client.getQueryData(executionKeys.detail("x"))).toBe(execution);
    expect(client.getQueryData(executionKeys.nodes("x"))).toEqual({ data: [node(0)], count: 1 });
  });

  it("builds the socket address from the page's", () => {
    expect(streamUrl("e1", "a b", { protocol: "https:", host: "cp.example" })).toBe(
      "wss://cp.example/api/v1/executions/e1/ws?access_token=a%20b",
    );
    expect(streamUrl("e1", "t", { protocol: "http:", host: "127.0.0.1:8000" })).toBe(
      "ws://127.0.0.1:8000/api/v1/executions/e1/ws?access_token=t",
    );
  });
});
