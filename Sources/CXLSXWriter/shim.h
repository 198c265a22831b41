#ifndef TRIALDIFF_CXLSXWRITER_SHIM_H
#define TRIALDIFF_CXLSXWRITER_SHIM_H
/* libxlsxwriter: writes matrix.xlsx (TrialRender's XLSXWorkbook wraps it). */
#include <xlsxwriter.h>
#endif
