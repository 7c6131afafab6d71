import Link from "next/link";
import { comparisonById } from "../../lib/comparisons";
import { SYSTEM_LABELS, SYSTEMS, TABLE_ROWS, linkHref, type CellTone, type GuideLink } from "../../lib/guide";
import { SECONDARY, SECTION, SECTION_TITLE } from "./styles";

// A mark besides the colour, so the table reads in greyscale and for colour-blind viewers.
const TONES: Record<CellTone, { mark: string; label: string; className: string }> = {
  yes: { mark: "✓", label: "yes", className: "bg-emerald-500/12 text-emerald-950 dark:text-emerald-100" },
  partly: { mark: "≈", label: "partly", className: "bg-amber-500/15 text-amber-950 dark:text-amber-100" },
  no: { mark: "✗", label: "no", className: "bg-rose-500/12 text-rose-950 dark:text-rose-100" },
  neutral: { mark: "", label: "", className: "" },
};

export function ComparisonTable({ titles }: { titles: ReadonlyMap<string, string> }) {
  const name = (link: GuideLink) => (link.kind === "scenario" ? (titles.get(link.id) ?? link.id) : `Compare: ${comparisonById(link.id)?.title ?? link.id}`);
  return (
    <section className={SECTION} data-testid="guide-table" aria-labelledby="guide-table-title">
      <h2 id="guide-table-title" className={SECTION_TITLE}>
        Side by side
      </h2>
      <p className={`mt-1 text-lg ${SECONDARY}`}>What each one does, and where in Hopscope you can watch it happen.</p>
      <div className="mt-4 overflow-x-auto">
        <table className="w-full min-w-[1100px] border-separate border-spacing-0 text-base">
          <thead>
            <tr>
              <th scope="col" className="sticky left-0 w-48 border-b-2 border-[var(--line)] bg-[var(--panel)] px-3 py-3 text-left font-semibold" />
              {SYSTEMS.map((system) => (
                <th key={system} scope="col" className="border-b-2 border-[var(--line)] px-3 py-3 text-left text-lg font-semibold">
                  {SYSTEM_LABELS[system]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {TABLE_ROWS.map((row) => (
              <tr key={row.id} data-testid={`table-row-${row.id}`}>
                <th scope="row" className="sticky left-0 border-b border-[var(--line)] bg-[var(--panel)] px-3 py-3 text-left align-top">
                  <span className="block text-lg font-semibold">{row.property}</span>
                  <span className="mt-1 flex flex-col gap-1">
                    {row.watch.map((link) => (
                      <Link key={`${link.kind}:${link.id}`} href={linkHref(link)} className="text-base font-medium text-violet-800 underline underline-offset-4 hover:text-violet-600 dark:text-violet-300" data-testid="watch-link">
                        ▶ {name(link)}
                      </Link>
                    ))}
                  </span>
                </th>
                {SYSTEMS.map((system) => {
                  const cell = row.cells[system];
                  const tone = TONES[cell.tone];
                  return (
                    <td key={system} className={`border-b border-l border-[var(--line)] px-3 py-3 align-top leading-snug ${tone.className}`}>
                      {tone.mark && (
                        <span className="mr-1 font-bold" aria-label={tone.label}>
                          {tone.mark}
                        </span>
                      )}
                      {cell.text}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
