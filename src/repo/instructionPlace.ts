/** Where a Dockerfile instruction is, and which stage it belongs to (the part of src/repo/dockerfile.ts DockerInstruction that src/repo/dockerfileReparse.ts moves). */
export interface InstructionPlace {
  keyword: string;
  /** Offsets of the instruction text (first character to last, without the line break). */
  start: number;
  end: number;
  /** Offset of the start of the instruction's first line (for inserting a line before it). */
  lineStart: number;
  /** Offset just after the line break ending the instruction's last line. */
  lineEnd: number;
  /** 1-based first and last line. */
  line: number;
  endLine: number;
  stageIndex: number;
}
