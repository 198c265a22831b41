#ifndef TRIALDIFF_CLIBXML2_SHIM_H
#define TRIALDIFF_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU; its <unicode/ucnv.h> clashes with Foundation's own ICU module.
   trialdiff never touches the ICU converter fields, only pointers to those structs, so the
   declarations are left out. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

/// Swift 6 rejects the global `xmlFree` function-pointer variable as shared mutable state;
/// this inline wrapper calls it without exposing the variable.
static inline void trialdiff_xmlFree(void *ptr) { xmlFree(ptr); }
#endif
