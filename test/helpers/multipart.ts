/** A multipart/form-data body exactly as a browser or `curl -F` would send it. */
export async function multipartBody(
  fields: { name: string; content: string | Buffer; fileName?: string; type?: string }[],
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const field of fields) {
    if (field.fileName === undefined) form.append(field.name, field.content.toString());
    else {
      // Blob wants an ArrayBuffer-backed view; a Buffer may sit on a shared pool, so copy it.
      const bytes = typeof field.content === 'string' ? field.content : new Uint8Array(field.content);
      form.append(field.name, new Blob([bytes], { type: field.type ?? 'text/csv' }), field.fileName);
    }
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}
