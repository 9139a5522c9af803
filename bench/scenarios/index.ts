/** Every scenario, in the order a run performs them (light ones first, the heaviest last). */
import type { Scenario } from '../lib/scenario.js';
import { clusterTopologyScenario } from './cluster-topology.js';
import { cliStartupScenario } from './cli-startup.js';
import { concurrencyScenario } from './concurrency.js';
import { historyGrowthScenario } from './history-growth.js';
import { httpStreamScenario } from './http-stream.js';
import { langgraphPeerScenario } from './langgraph-peer.js';
import { liveEventsScenario } from './live-events.js';
import { recoveryScenario } from './recovery.js';
import { replayScenario } from './replay.js';
import { startAndScaleScenario } from './start-and-scale.js';
import { tuningsScenario } from './tunings.js';
import { turnOverheadScenario } from './turn-overhead.js';

export const scenarios: Scenario<any>[] = [
  turnOverheadScenario,
  cliStartupScenario,
  langgraphPeerScenario,
  startAndScaleScenario,
  recoveryScenario,
  replayScenario,
  concurrencyScenario,
  historyGrowthScenario,
  httpStreamScenario,
  liveEventsScenario,
  tuningsScenario,
  clusterTopologyScenario,
];
