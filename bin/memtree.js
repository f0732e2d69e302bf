#!/usr/bin/env node
import '../dist/client/src/main.js';
