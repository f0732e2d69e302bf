#!/usr/bin/env node
import '../dist/daemon/src/main.js';
