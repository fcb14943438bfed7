import type { SandboxRecord } from '#sandbox/autotask/entities'

const escape = (value: unknown) =>
  String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')

const money = (value: unknown) => Number(value ?? 0).toFixed(2)

/**
 * Autotask's HTML copy of an invoice (InvoiceMarkupHtml), as its invoice editor
 * renders it: a full document with inline styles. It carries a <script> on purpose,
 * so the dashboard can prove it renders foreign HTML in a sandboxed frame.
 */
export function invoiceMarkup(
  invoice: SandboxRecord,
  items: SandboxRecord[],
  company: SandboxRecord | undefined
): string {
  const rows = items
    .map(
      (item) => `<tr>
<td>${escape(item.itemName)}</td><td>${escape(item.description)}</td>
<td style="text-align:right">${escape(item.quantity)}</td><td style="text-align:right">${escape(item.rate)}</td>
<td style="text-align:right">${money(item.extendedPrice)}</td><td style="text-align:right">${money(item.taxDollars)}</td>
</tr>`
    )
    .join('\n')
  const net = Number(invoice.invoiceTotal ?? 0) - Number(invoice.totalTaxValue ?? 0)
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Invoice ${escape(invoice.invoiceNumber ?? 'draft')}</title>
<style>body{font-family:Arial,sans-serif;font-size:12px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px}</style>
<script>window.autotaskMarkupScriptRan = true; document.title = 'script ran';</script>
</head><body>
<h1>Tax Invoice ${escape(invoice.invoiceNumber ?? '(billing run in progress)')}</h1>
${invoice.isVoided ? '<p style="color:#c00;font-weight:bold">VOID</p>' : ''}
<p>Demo MSP Ltd, 1 Queen Street, Auckland 1010. GST number 123-456-789</p>
<p>Bill to: <strong>${escape(company?.companyName ?? 'Unknown company')}</strong><br>${escape(company?.address1)} ${escape(company?.city)}</p>
<p>Invoice date: ${escape(String(invoice.invoiceDateTime ?? '').slice(0, 10))} · Due: ${escape(String(invoice.dueDate ?? '').slice(0, 10))}
${invoice.orderNumber ? ` · Your order: ${escape(invoice.orderNumber)}` : ''}</p>
<table><thead><tr><th>Item</th><th>Description</th><th>Qty</th><th>Rate</th><th>Amount</th><th>${escape(invoice.taxRegionName)}</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p style="text-align:right">Subtotal ${money(net)}<br>Tax ${money(invoice.totalTaxValue)}<br><strong>Total ${money(invoice.invoiceTotal)}</strong></p>
</body></html>`
}
