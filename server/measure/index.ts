export { leftovers, measureLatency, runMeasurements, type MeasureOptions } from "./engine";
export { describeMachine } from "./machine";
export { measureNames, MEASURE_PREFIX, newRunId } from "./names";
export { LATEST_MEASUREMENTS, readMeasurementSet, saveMeasurementSet, SHIPPED_MEASUREMENTS } from "./store";
