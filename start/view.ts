/*
| Edge globals shared by every template.
*/
import edge from 'edge.js'
import { recordStatusLabels } from '#enums/record_status'

edge.global('recordStatusLabels', recordStatusLabels)
edge.global('appName', 'Accounting Toolbox')
