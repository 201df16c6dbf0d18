import type { BenchSettings, MachineInfo } from './machine.ts';

export type Figures = Record<string, number | string>;

export interface ContenderResult {
  name: string;
  description: string;
  /** The contender's figures over all rounds (throughput: median of the rounds; latency: all samples pooled). */
  figures: Figures;
  /** Each round's headline figure, in run order, to show the spread. */
  rounds: Figures[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** One object per scenario in bench/results/latest.json. */
export interface ScenarioResult {
  scenario: string;
  title: string;
  params: Record<string, number | string | boolean>;
  /** Figure keys shown in the markdown table, in order, with their labels. */
  columns: Array<{ key: string; label: string }>;
  contenders: ContenderResult[];
  targets: TargetCheck[];
  notes: string[];
  machine: MachineInfo;
  settings: BenchSettings;
  loadAverage: { before: number[]; after: number[] };
  date: string;
  durationSeconds: number;
}

/** What a scenario module computes; run.ts adds the machine, settings, load and date. */
export type ScenarioOutcome = Pick<ScenarioResult, 'title' | 'params' | 'columns' | 'contenders' | 'targets' | 'notes'>;

/** A scenario module's entry: measure and describe. */
export interface Scenario {
  name: string;
  run(context: import('./bench-context.ts').BenchContext): Promise<ScenarioOutcome>;
}
