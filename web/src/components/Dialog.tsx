// A modal built on the native <dialog>: focus moves in, Escape closes, focus returns after.

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function Dialog({ title, onClose, children, wide }: {
  title: string; onClose: () => void; children: ComponentChildren; wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog ref={ref} class={`dialog${wide ? " dialog-wide" : ""}`} aria-labelledby="dialog-title"
            onClose={onClose} onCancel={(event) => { event.preventDefault(); onClose(); }}
            onClick={(event) => { if (event.target === ref.current) onClose(); }}>
      <div class="dialog-body">
        <header class="dialog-header">
          <h2 id="dialog-title">{title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>×</button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
