/** Download a chain's export document as a JSON file. */
import { fetchChainExport } from "../../api/chains";

export async function downloadChain(id: string, fileName: string): Promise<void> {
  const document_ = await fetchChainExport(id);
  const blob = new Blob([`${JSON.stringify(document_, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
