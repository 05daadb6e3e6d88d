import { describe, expect, it } from 'vitest';
import { fillPlaceholders, isHtml, renderEmail, textFromHtml } from '../../lambdas/core/domain/email-body.js';

describe('fillPlaceholders', () => {
  it('fills each {{column}} with the row value, matching names case-insensitively and ignoring inner spaces', () => {
    expect(
      fillPlaceholders('Hi {{first_name}}, {{ First_Name }} from {{CITY}}!', {
        First_Name: 'Ana',
        city: 'Lima',
      }),
    ).toBe('Hi Ana, Ana from Lima!');
  });

  it('leaves a placeholder with no matching column as written', () => {
    expect(fillPlaceholders('Hi {{ nickname }} {{first_name}}', { first_name: 'Ana' })).toBe(
      'Hi {{ nickname }} Ana',
    );
  });

  it('fills an empty value as empty', () => {
    expect(fillPlaceholders('Hi {{first_name}}!', { first_name: '' })).toBe('Hi !');
  });

  it('does not expand a placeholder that a filled-in value contains', () => {
    expect(fillPlaceholders('Hi {{first_name}}', { first_name: '{{secret}}', secret: 'leaked' })).toBe(
      'Hi {{secret}}',
    );
  });

  it('passes values, and only values, through the escape function', () => {
    expect(fillPlaceholders('<b>{{a}}</b>', { a: 'x' }, (v) => `[${v}]`)).toBe('<b>[x]</b>');
  });
});

describe('isHtml', () => {
  it.each([
    '<p>Hello</p>',
    'Hello<br>there',
    'Hello<br/>',
    '<a href="https://example.com">x</a>',
    '<DIV class="x">',
  ])('takes %j for HTML', (content) => {
    expect(isHtml(content)).toBe(true);
  });

  it.each(['Hello', 'a < b and b > c', '2 <3', 'Use <> for nothing', 'x <- y'])(
    'takes %j for plain text',
    (content) => {
      expect(isHtml(content)).toBe(false);
    },
  );
});

describe('textFromHtml', () => {
  it('turns paragraphs and line breaks into lines and drops the other tags', () => {
    expect(textFromHtml('<h1>Offer</h1><p>Hello <b>Ana</b>,<br>welcome.</p><p>Bye</p>')).toBe(
      'Offer\nHello Ana,\nwelcome.\nBye',
    );
  });

  it('writes a link as its text followed by its address', () => {
    expect(textFromHtml('<p>See <a class="x" href="https://example.com/o?a=1">our offer</a>.</p>')).toBe(
      'See our offer (https://example.com/o?a=1).',
    );
  });

  it('drops scripts and styles with their content', () => {
    expect(textFromHtml('<style>p { color: red }</style><p>Hi</p><script>alert(1)</script>')).toBe('Hi');
  });

  it('decodes entities once, so an escaped entity stays visible as text', () => {
    expect(textFromHtml('<p>Tom &amp; Jerry &lt;3 &quot;fun&quot; &#39;n&#39;&nbsp;more &amp;lt;</p>')).toBe(
      'Tom & Jerry <3 "fun" \'n\' more &lt;',
    );
  });

  it('keeps at most one empty line between blocks and trims the ends', () => {
    expect(textFromHtml('\n<p>One</p>\n\n\n\n<p>Two</p>   \n')).toBe('One\n\nTwo');
  });
});

describe('renderEmail', () => {
  it('sends HTML content as HTML with escaped values, plus a plain-text alternative with the values as written', () => {
    expect(
      renderEmail('Hi {{name}}', '<p>Hello {{name}}, see <a href="https://example.com">this</a></p>', {
        name: '<Ana & "Bo">',
      }),
    ).toEqual({
      subject: 'Hi <Ana & "Bo">',
      html: '<p>Hello &lt;Ana &amp; &quot;Bo&quot;&gt;, see <a href="https://example.com">this</a></p>',
      text: 'Hello <Ana & "Bo">, see this (https://example.com)',
    });
  });

  it('sends plain content as text only, with values as written', () => {
    expect(
      renderEmail('Hello', 'Dear {{name}},\nyour code is <{{code}}>.', { name: 'Ana & Bo', code: 'A1' }),
    ).toEqual({
      subject: 'Hello',
      text: 'Dear Ana & Bo,\nyour code is <A1>.',
    });
  });

  it('replaces line breaks in a value put into the subject, so a row cannot add a header', () => {
    expect(renderEmail('Hi {{name}}', 'Body', { name: 'Ana\r\nBcc: victim@example.net\n\nX' }).subject).toBe(
      'Hi Ana Bcc: victim@example.net X',
    );
  });
});
