import { ObservePage } from "./observe-page";

export const metadata = { title: "Observe your apps · Hopscope" };

export default function Page() {
  return <ObservePage />;
}
