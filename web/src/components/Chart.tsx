// A Chart.js chart in a canvas, with only the parts this app draws registered (smaller bundle).
// Charts are decorative for screen readers: every chart sits next to a table with its numbers.

import {
  BarController, BarElement, CategoryScale, Chart, type ChartConfiguration, Legend,
  LinearScale, LineController, LineElement, PointElement, Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement,
               PointElement, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue("--font").trim() || "system-ui, sans-serif";
Chart.defaults.color = "#475467";
Chart.defaults.animation = false;

export function ChartView({ config, label, height = 260 }: { config: ChartConfiguration;
                                                           label: string; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, { ...config, options: { responsive: true,
      maintainAspectRatio: false, ...config.options } });
    return () => chart.destroy();
  }, [config]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

export const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2",
                        "#65a30d", "#dc2626", "#4b5563", "#ca8a04"];
