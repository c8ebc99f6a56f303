export const SAMPLE: string;
export function replicateSample(root: string, services: number): number;
