"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * The scroll container of a table. A table wider than its card scrolls inside it, and a person
 * on the keyboard must be able to scroll it too, so the container takes a Tab stop (named, as
 * a region) exactly while it overflows: a table that fits adds no stop that does nothing.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={ref}
      className="ops-table-wrap"
      {...(overflows ? { tabIndex: 0, role: "region", "aria-label": label } : {})}
    >
      {children}
    </div>
  );
}

/** The one row a table body shows `when` it has nothing else: a hint across its `columns`. */
export function EmptyRow({
  when,
  columns,
  children,
}: {
  when: boolean | null | undefined;
  columns: number;
  children: ReactNode;
}) {
  if (!when) return null;
  return (
    <tr>
      <td colSpan={columns} className="hint">
        {children}
      </td>
    </tr>
  );
}
