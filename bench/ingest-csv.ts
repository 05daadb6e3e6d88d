/** The bench's campaign rows, made 64 KB at a time as a stream would deliver them. */
export function* campaignChunks(rows: number): Generator<Buffer> {
  let text = 'email,subject,content,first_name\n';
  const width = String(rows).length;
  for (let i = 1; i <= rows; i += 1) {
    const n = String(i).padStart(width, '0');
    text += `bench.${n}@example.com,Spring offer,"<p>Hello {{first_name}}, take 20% off this week.</p>",Reader${n}\n`;
    if (text.length >= 64 * 1024) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text !== '') yield Buffer.from(text);
}
