'use strict';

// The trace types reports/charts.py draws, and nothing else.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scatterpolar'),
]);

module.exports = Plotly;
