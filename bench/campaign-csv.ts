/**
 * A campaign file of `rows` distinct recipients in the columns the ingest expects
 * (email,subject,content,first_name), every content using the `{{first_name}}` placeholder, as one
 * template per campaign does. Built in memory: about 100 bytes a row.
 */
export function campaignCsv(rows: number): string {
  const lines = ['email,subject,content,first_name'];
  const width = String(rows).length;
  for (let i = 1; i <= rows; i += 1) {
    const n = String(i).padStart(width, '0');
    lines.push(
      `bench.${n}@example.com,Spring offer,"<p>Hello {{first_name}}, take 20% off this week.</p>",Reader${n}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
