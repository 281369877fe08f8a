/** Bare node: nothing imported but the report itself. Run: node --expose-gc bare.mjs */
import { importsDone, reportMemory } from "./report-memory.mjs";

importsDone();
reportMemory();
