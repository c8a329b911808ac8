#!/usr/bin/env node
/**
 * The npm `bin` entry of tlsmith: runs the CLI and exits with its code.
 *
 * @module
 */
import { runMain } from "./main.ts";

runMain();
