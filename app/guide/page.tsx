import type { Metadata } from "next";
import { GuidePage } from "./guide-page";

export const metadata: Metadata = { title: "When to use what · Hopscope" };

export default function Page() {
  return <GuidePage />;
}
