package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
)

// The page is XHTML-compatible (every element closed, no named entities
// beyond XML's) so a strict XML parser can check it, self-contained (inline
// CSS, nothing fetched) and prints with a case header and page numbers.
var htmlPage = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Heading}}: {{.Name}}</title>
<style>
@page { size: A4; margin: 18mm 14mm 16mm 14mm;
  @top-left { content: "{{.Heading}}"; font: 8pt sans-serif; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; } }
body { font: 10pt/1.35 "Go", "DejaVu Sans", Arial, sans-serif; color: #000; background: #fff; margin: 2em auto; max-width: 60em; }
header.case { border-bottom: 1px solid #444; font-size: 8.5pt; margin-bottom: 1em; display: flex; justify-content: space-between; }
h1 { font-size: 17pt; margin: 0.4em 0; }
h2 { font-size: 13pt; margin: 1.4em 0 0.4em; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 11pt; margin: 1em 0 0.3em; break-after: avoid; }
table { border-collapse: collapse; margin: 0.3em 0 0.8em; font-size: 8.5pt; }
th, td { border: 1px solid #999; padding: 1px 4px; vertical-align: top; text-align: left; }
th { background: #e6e6e6; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.n, th.n { text-align: right; }
tr.total td { font-weight: bold; border-top: 2px solid #000; }
table.mono td { font-family: "Go Mono", "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
table.kv th { background: none; width: 12em; }
table.kv td, table.kv th { border: none; padding: 0 6px 1px 0; word-break: break-all; }
@media print { body { margin: 0; max-width: none; } }
</style>
</head>
<body>
<header class="case"><span>{{.Heading}}</span><span>{{.Name}}</span></header>
{{range .Blocks}}{{if eq .Kind "title"}}<h1>{{.Text}}</h1>
{{else if eq .Kind "h2"}}<h2>{{.Text}}</h2>
{{else if eq .Kind "h3"}}<h3>{{.Text}}</h3>
{{else if eq .Kind "p"}}<p>{{.Text}}</p>
{{else if eq .Kind "kv"}}<table class="kv">
{{range .KV}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{else if eq .Kind "table"}}{{with .Table}}{{$g := .}}<table{{if .Mono}} class="mono"{{end}}>
<thead><tr>{{range $i, $h := .Head}}<th{{if index $g.Right $i}} class="n"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range $r, $row := .Rows}}<tr{{if and $g.Total (last $r $g.Rows)}} class="total"{{end}}>{{range $i, $c := $row}}<td{{if index $g.Right $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}{{end}}{{end}}</body>
</html>
`

// WriteHTML renders the report as one self-contained HTML page.
func WriteHTML(w io.Writer, r *Report) error {
	funcs := template.FuncMap{"last": func(i int, rows [][]string) bool { return i == len(rows)-1 }}
	t, err := template.New("report").Funcs(funcs).Parse(htmlPage)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	data := struct {
		Heading, Name string
		Blocks        []Block
	}{r.Heading(), ReportName, r.Blocks()}
	if err := t.Execute(bw, data); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}
