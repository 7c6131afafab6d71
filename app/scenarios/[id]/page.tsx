import { ScenarioPage } from "./scenario-page";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ScenarioPage id={id} />;
}
