import { ReplayPage } from "./replay-page";

export const metadata = { title: "Replay · Hopscope" };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  return <ReplayPage source={one(params.recording) ?? null} at={one(params.t) ?? null} />;
}
