import { ComparePage } from "./compare-page";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ComparePage key={id} id={id} />;
}
