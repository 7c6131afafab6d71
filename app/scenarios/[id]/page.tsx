import { ScenarioPage } from "./scenario-page";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // Keyed: another scenario starts with nothing selected, rather than carrying a selection over.
  return <ScenarioPage key={id} id={id} />;
}
