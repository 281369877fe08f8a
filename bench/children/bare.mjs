/** Bare node: nothing imported but the report itself. Run: node --expose-gc bare.mjs */
import { reportMemory } from "./report-memory.mjs";

reportMemory();
