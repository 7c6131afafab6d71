"use client";
import { useMemo, useState } from "react";
import { qrSymbol } from "../lib/qr";
import { Modal } from "./Modal";

export interface JoinInfo {
  /** Where the audience opens Hopscope, best first, as the server sees its network. */
  urls: readonly string[];
  /** For the presenter: audience browsers connected now. */
  watching?: number;
}

/** The header's Join button and the card it opens, made to be projected and scanned from afar. */
export function JoinButton({ join }: { join: JoinInfo }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        data-testid="join-button"
        title="Show the audience how to join: the address and a QR code"
        className="inline-flex items-center gap-1.5 rounded-lg bg-violet-600 px-2.5 py-1 text-sm font-medium text-white shadow-sm transition hover:bg-violet-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-500"
      >
        <svg viewBox="0 0 16 16" className="h-4 w-4" fill="currentColor" aria-hidden>
          <path d="M1 1h6v6H1zm1.5 1.5v3h3v-3zM9 1h6v6H9zm1.5 1.5v3h3v-3zM1 9h6v6H1zm1.5 1.5v3h3v-3zM9 9h2v2H9zm2 2h2v2h-2zm2-2h2v2h-2zm0 4h2v2h-2zm-4 0h2v2H9z" />
        </svg>
        Join
      </button>
      <Modal open={open} onClose={() => setOpen(false)} title="Watch along" subtitle="Scan with your phone's camera, or type the address." testId="join-card">
        <JoinCardBody join={join} />
      </Modal>
    </>
  );
}

function JoinCardBody({ join }: { join: JoinInfo }) {
  const [picked, pick] = useState(0);
  const url = join.urls[picked] ?? join.urls[0];
  if (!url) {
    return (
      <p className="max-w-xl text-lg" data-testid="join-no-address">
        This machine has no network address an audience could reach. Connect it to the room&apos;s network, then reload this page.
      </p>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-x-12 gap-y-6">
      <QrCode url={url} />
      <div className="flex min-w-0 max-w-xl flex-col gap-6">
        <div>
          <div className="text-sm font-semibold tracking-wider text-[var(--muted)] uppercase">Open</div>
          <JoinUrl url={url} />
        </div>
        {join.urls.length > 1 && (
          <div role="group" aria-label="Other addresses of this machine" className="flex flex-wrap items-center gap-2 text-sm">
            <span className="text-[var(--muted)]">Not on this network? Try</span>
            {join.urls.map((other, i) =>
              i === picked ? null : (
                <button key={other} type="button" onClick={() => pick(i)} className="rounded-lg border border-[var(--line)] px-2 py-0.5 font-mono hover:bg-black/5 dark:hover:bg-white/5">
                  {new URL(other).host}
                </button>
              ),
            )}
          </div>
        )}
        {join.watching !== undefined && (
          <div className="flex items-center gap-3" data-testid="join-watching" aria-live="polite">
            <span className="h-3 w-3 shrink-0 rounded-full bg-emerald-500 shadow-[0_0_0_4px_rgb(16_185_129/0.2)]" aria-hidden />
            <span className="text-5xl font-semibold tabular-nums" data-testid="join-watching-count">
              {join.watching}
            </span>{" "}
            <span className="text-xl text-[var(--muted)]">{join.watching === 1 ? "browser watching" : "browsers watching"}</span>
          </div>
        )}
        <p className="text-base text-[var(--muted)]">Everyone sees the same picture, live and read-only. The presenter&apos;s controls stay on this screen.</p>
      </div>
    </div>
  );
}

function JoinUrl({ url }: { url: string }) {
  const { protocol, host, pathname } = new URL(url);
  return (
    <p className="mt-1 font-mono text-[clamp(1.75rem,3vw,2.75rem)] leading-tight font-semibold break-all" data-testid="join-url" data-url={url}>
      <span className="text-[var(--muted)]">{protocol}//</span>
      {host}
      {pathname === "/" ? "" : pathname}
    </p>
  );
}

/**
 * Black on white whatever the theme: phone cameras look for dark modules on a light ground, and
 * an inverted code is one many of them cannot read.
 */
function QrCode({ url }: { url: string }) {
  const symbol = useMemo(() => qrSymbol(url), [url]);
  return (
    <svg
      viewBox={`0 0 ${symbol.size} ${symbol.size}`}
      shapeRendering="crispEdges"
      role="img"
      aria-label={`QR code of ${url}`}
      data-testid="join-qr"
      className="aspect-square h-auto w-[clamp(320px,58vh,480px)] shrink-0 rounded-xl shadow-[0_0_0_1px_rgb(0_0_0/0.08)]"
    >
      <rect width={symbol.size} height={symbol.size} fill="#fff" />
      <path d={symbol.path} fill="#000" />
    </svg>
  );
}
