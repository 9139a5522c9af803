import { describeQuickBench } from '../harness/quick-bench.js';

describeQuickBench('steps');
