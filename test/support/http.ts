import { request as httpRequest } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/**
 * A GET over node:http, so tests control the exact header bytes: `headers`
 * is a list of [name, value] pairs and may repeat a name.
 */
export function get(url: string, headers: Array<[string, string]> = []): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // With a raw header list node:http adds no Host header; HTTP/1.1 requires one.
    const raw: string[] = ['Host', new URL(url).host];
    for (const [name, value] of headers) raw.push(name, value);
    const req = httpRequest(url, { method: 'GET', headers: raw }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];
